/**
 * Docker's exact error texts for container records (STYLE D5). Clients and tests compare these
 * strings, so they quote moby verbatim; each cites where it comes from.
 */
import { DockerError, conflict, invalidParameter, notFound } from '../lib/index.js';

/** compat: moby daemon/errors.go containerNotFound, e.g. GET /containers/{id}/json → 404. */
export function noSuchContainer(ref: string): DockerError {
  return notFound(`No such container: ${ref}`);
}

/** compat: moby container/view.go GetByPrefix → 400. */
export function ambiguousPrefix(ref: string): DockerError {
  return invalidParameter(`multiple IDs found with provided prefix: ${ref}`);
}

/** compat: moby daemon/errors.go invalidIdentifier (Go's %q) → 400. */
export function invalidIdentifier(ref: string): DockerError {
  return invalidParameter(`invalid name or ID supplied: ${JSON.stringify(ref)}`);
}

/** compat: moby daemon/errors.go nameConflictError (POST /containers/create → 409). */
export function nameConflict(name: string, id: string): DockerError {
  return conflict(
    `Conflict. The container name ${JSON.stringify(name)} is already in use by container ${JSON.stringify(id)}. ` +
      'You have to remove (or rename) that container to be able to reuse that name.',
  );
}

/** compat: moby daemon/names.go reserveName (the name as the user gave it) → 400. */
export function invalidName(name: string): DockerError {
  return invalidParameter(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
}

/** compat: moby daemon/rename.go (POST /containers/{id}/rename → 400). */
export function renameEmpty(): DockerError {
  return invalidParameter('Neither old nor new names may be empty');
}

/** compat: moby daemon/rename.go → 400. */
export function renameSame(): DockerError {
  return invalidParameter('Renaming a container with the same name as its current name');
}

/**
 * compat: moby daemon/rename.go wraps any failure of the new name's reservation as
 * "Error when allocating new name: <cause>" (invalid name → 400, name in use → 409).
 */
export function allocationError(inner: DockerError): DockerError {
  return new DockerError(inner.kind, `Error when allocating new name: ${inner.message}`, { cause: inner });
}
