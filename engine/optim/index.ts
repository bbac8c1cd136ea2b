// The optim namespace (`import { optim } from 'webgrad'`): optimizers, schedulers, clipping.

export { Optimizer, type BaseOptions, type ParamGroup, type ParamGroupInput, type ParamsInput, type ParamState, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { LRScheduler, StepLR, CosineAnnealingLR, ReduceLROnPlateau, type ReduceLROnPlateauOptions, type SchedulerStateDict } from './lr-scheduler.js';
export { clipGradNorm } from './clip.js';
