// seal's public API.
export * from './backend/index.js';
export { Module } from './nn/module.js';
export { Conv2d, BatchNorm2d, Linear, globalAvgPool } from './nn/layers.js';
export { Sequential } from './nn/sequential.js';
export { kaimingNormal, uniformFanIn, fanIn } from './nn/init.js';
export { ResNet, LAYER_GROUPS, type ResNetConfig, type LayerGroup } from './models/resnet.js';
export { SmallCnn, type SmallCnnConfig } from './models/small-cnn.js';
export { SGD, type SgdGroup, type SgdGroupOptions } from './optim/sgd.js';
