/** The editor-free manifest core: scan Kubernetes YAML for containers, and edit their resources round-trip safe. */
export * from './types';
export { scanManifest, type ScanOptions } from './scan';
export { applyEdits, editManifest, ManifestEditError, planEdits, type EditOptions } from './edit';
export { parseChangeSpecs, type ChangeSpecs } from './targets';
export { changesFromRecommendation, findRecommendation, settingsFromRecommendation } from './from-recommendation';
export { decodeManifest, encodeManifest, firstNonUtf8, ManifestEncodingError, type DecodedManifest, type ManifestEncoding } from './encoding';
