// npm run train:hmdb — the ResNet18 + LSTM training job. The data half exists
// (npm run prepare:hmdb); the model layers and the training loop come with the next issues.
console.error('train:hmdb is not available yet: webgrad has its engine core and the HMDB51 frame preparation');
console.error('(npm run prepare:hmdb -- --data <videos> --out <frames>); the ResNet18+LSTM model and training loop are still being built.');
process.exit(1);
