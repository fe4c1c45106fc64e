// Every command's --help, and --print-split for the run the flags describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seal } from './support.js';

test('every command answers --help with its usage and exit 0', () => {
  for (const args of [
    ['train', '--help'],
    ['compare', '--help'],
    ['eval', '--help'],
    ['eval', 'depth', '--help'],
    ['eval', 'all', '--checkpoint', 'x', '--help'],
    ['status', '--help'],
    ['cancel', '--help'],
    ['report', '--help'],
    ['worker', '--help'],
    ['info', '--help'],
    ['help'],
    ['--help'],
  ]) {
    const r = seal(args);
    assert.equal(r.status, 0, `seal ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /usage: seal/, `seal ${args.join(' ')}`);
    assert.equal(r.stderr, '', `seal ${args.join(' ')}`);
  }
});

test("--print-split uses the dataset's channels and classes unless they are given", () => {
  const fashion = seal(['train', '--print-split', '--model', 'resnet18', '--dataset', 'fashion-mnist']);
  assert.equal(fashion.status, 0, fashion.stderr);
  assert.match(fashion.stdout, /for 1-channel images and 10 classes \(fashion-mnist\)/);
  assert.match(fashion.stdout, /^early {2}conv1\.weight +\[64,1,7,7\]$/m);
  assert.match(fashion.stdout, /early: 30 tensors, 676,800 parameters/);
  assert.match(fashion.stdout, /^late {3}fc\.weight +\[10,512\]$/m);
  const cifar = seal(['train', '--print-split', '--model', 'resnet18', '--dataset', 'cifar100:/nonexistent']);
  assert.match(cifar.stdout, /for 3-channel images and 100 classes/);
  const given = seal(['train', '--print-split', '--model', 'resnet18', '--in-channels', '3', '--num-classes', '200']);
  assert.match(given.stdout, /early: 30 tensors, 683,072 parameters/);
});
