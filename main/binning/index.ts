/** Binning service: histograms, significance, constraints, baselines, exact DP, search spaces, rebinning. */

export * from './baselines'
export * from './constraints'
export * from './histogram'
export * from './ntuple'
export * from './optimal'
export * from './rebin-workspace'
export * from './significance'
export * from './space'
export * from './transfo'
export * from './yields'
export * from './anchors'
