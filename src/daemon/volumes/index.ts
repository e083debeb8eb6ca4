export { VolumesService, type VolumesDeps, toApi, VOLUME_LIST_FILTERS, VOLUME_PRUNE_FILTERS } from './service.js';
