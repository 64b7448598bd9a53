/** Prophet's additive model reimplemented in TypeScript: see docs/PROPHET.md. */
export { Prophet, ProphetModel, fitProphet, PROPHET_MIN_POINTS, type ProphetParams, type ProphetFitInfo } from './model';
export { PROPHET_DEFAULTS, ProphetInputError, resolveOptions, parseOptionValues, type ProphetOptions, type SeasonalityArg } from './options';
