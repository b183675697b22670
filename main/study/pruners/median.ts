export { MedianPruner, PercentilePruner, type PercentilePrunerOptions } from './percentile.js'
