/**
 * The event record the bus keeps. Its shape is Docker's /events message (api/types EventMessage)
 * field for field, so the API layer sends it as is; it is declared here because events/ sits
 * below api/types in the layering (STYLE D3).
 */
export type EventType =
  | 'builder'
  | 'config'
  | 'container'
  | 'daemon'
  | 'image'
  | 'network'
  | 'node'
  | 'plugin'
  | 'secret'
  | 'service'
  | 'volume';

export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local' | 'swarm';
  time: number;
  timeNano: number;
}
