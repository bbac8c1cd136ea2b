// The nn namespace (`import { nn } from 'webgrad'`): Module and the layers, PyTorch's names.

export { Module, Parameter, type AnyModule, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Sequential, ModuleList } from './containers.js';
export { Linear, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, ReLU, Dropout, Identity, Flatten, type Conv2dModuleOptions } from './layers.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormModuleOptions } from './batchnorm.js';
export { LSTM, type LSTMOptions, type LSTMState } from './lstm.js';
export * as init from './init.js';
export { checkpoint, type CheckpointOptions } from './checkpoint.js';
