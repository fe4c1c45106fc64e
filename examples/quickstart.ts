import { train } from '../src/index.js';

// SEAL on 2,000 Fashion-MNIST images: 2 generations of 4 epochs of a narrow ResNet-18.
const { summary } = await train(
  {
    method: 'seal', dataset: 'fashion-mnist', model: 'resnet18', width: 0.25,
    generations: 2, epochs: 4, batchSize: 64, limitTrain: 2000, limitTest: 1000,
  },
  { onEpoch: (row) => console.log(`gen ${row.generation} epoch ${row.epoch} (${row.phase}): test top-1 ${row.testTop1 ?? '-'}`) },
);
for (const g of summary.generations) {
  console.log(`generation ${g.generation}: best top-1 ${g.bestTop1}, last ${g.lastTop1}`);
}
