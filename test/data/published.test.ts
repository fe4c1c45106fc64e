// The readers of publishers' layouts (src/data/published/) on small trees this test writes with
// each publisher's file names and quirks (ids, "id label with spaces" lines, 1-based .mat
// indices, one-hot CSVs, multi-finding rows), the failures they must name by file and line, and
// `seal data check` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { loadDataset, parseDatasetSpec } from '../../src/data/index.js';
import { PUBLISHED, PUBLISHED_KINDS } from '../../src/data/published/index.js';
import { loadTarget } from '../../src/eval/targets.js';
import { centreRegion } from '../../src/data/decode.js';
import { dataError, imageOf, put, tempDir } from './fixtures.js';
import { refused, seal } from '../hostile/support.js';

// ---- tiny images ----

type RGB = [number, number, number];
const RED: RGB = [220, 30, 30];
const BLUE: RGB = [30, 30, 220];

/** A JPEG of one colour; `as` makes it grey (1 channel) or CMYK (4 channels). */
async function jpeg(colour: RGB, w = 8, h = 8, as: 'rgb' | 'grey' | 'cmyk' = 'rgb'): Promise<Buffer> {
  let img = sharp({
    create: { width: w, height: h, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } },
  });
  if (as === 'grey') img = img.toColourspace('b-w');
  if (as === 'cmyk') img = img.toColourspace('cmyk');
  return img.jpeg({ quality: 95 }).toBuffer();
}

/** A JPEG whose top `top` rows are one colour and the rest another. */
async function twoBands(w: number, h: number, top: number, a: RGB, b: RGB): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(y < top ? a : b, (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** Mean of each channel of image i of a set. */
function meanRGB(set: { images: Uint8Array; channels: number; height: number; width: number }, i: number): number[] {
  const img = imageOf(set as Parameters<typeof imageOf>[0], i);
  const plane = set.height * set.width;
  return Array.from({ length: set.channels }, (_, c) => {
    let s = 0;
    for (let p = 0; p < plane; p++) s += img[c * plane + p]!;
    return s / plane;
  });
}
const near = (got: number[], want: number[], tol = 25): boolean => got.every((g, i) => Math.abs(g - want[i]!) <= tol);

// ---- a small MAT v5 writer (little-endian, the variables the two .mat layouts use) ----

function tagged(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
}
function matArray(name: string, cls: number, dims: number[], body: Buffer[]): Buffer {
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(cls, 0);
  const d = Buffer.alloc(4 * dims.length);
  dims.forEach((v, i) => d.writeInt32LE(v, 4 * i));
  return tagged(14, Buffer.concat([tagged(6, flags), tagged(5, d), tagged(1, Buffer.from(name, 'latin1')), ...body]));
}
/** A double array whose values MATLAB would store as uint8 (it stores small integers so). */
const numeric = (name: string, values: number[], column = false): Buffer =>
  matArray(name, 6, column ? [values.length, 1] : [1, values.length], [
    values.every((v) => Number.isInteger(v) && v >= 0 && v < 256)
      ? tagged(2, Buffer.from(values))
      : tagged(9, Buffer.from(new Float64Array(values).buffer)),
  ]);
const text = (name: string, s: string): Buffer =>
  matArray(
    name,
    4,
    [1, s.length],
    [tagged(4, Buffer.from(new Uint16Array([...s].map((c) => c.charCodeAt(0))).buffer))],
  );
/** A column cell of 1x1 cells of strings: how Stanford Dogs' file_list reads in scipy. */
const cellOfStrings = (name: string, items: string[]): Buffer =>
  matArray(
    name,
    1,
    [items.length, 1],
    items.map((s) => matArray('', 1, [1, 1], [text('', s)])),
  );
function matFile(vars: Buffer[], compress = true): Buffer {
  const h = Buffer.alloc(128, 0x20);
  h.write('MATLAB 5.0 MAT-file, Platform: GLNX86', 0, 'latin1');
  h.writeUInt16LE(0x0100, 124);
  h.write('IM', 126, 'latin1');
  const body = vars.map((v) => {
    if (!compress) return v;
    const z = deflateSync(v);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(15, 0);
    head.writeUInt32LE(z.length, 4);
    return Buffer.concat([head, z]);
  });
  return Buffer.concat([h, ...body]);
}

const fresh = (t: { after: (fn: () => void) => void }, name: string): string => {
  const { dir, cleanup } = tempDir(`pub-${name}`);
  t.after(cleanup);
  return dir;
};
const plain = { cacheDir: null } as const;

// ---- CUB-200-2011 ----

const CUB_CLASSES = ['001.Black_footed_Albatross', '002.Laysan_Albatross', '003.Sooty_Albatross'];

/** CUB_200_2011/ with 3 classes of 2 images: ids 1..6, odd ids train; image 1 grey, 2 CMYK; image 3 red over blue. */
async function cubTree(dir: string): Promise<string> {
  const root = join(dir, 'CUB_200_2011');
  const images: string[] = [];
  const labels: string[] = [];
  const split: string[] = [];
  const boxes: string[] = [];
  for (let id = 1; id <= 6; id++) {
    const c = Math.floor((id - 1) / 2);
    const rel = `${CUB_CLASSES[c]}/${CUB_CLASSES[c]!.slice(4)}_00${id}_${100 + id}.jpg`;
    const bytes =
      id === 1
        ? await jpeg([90, 90, 90], 8, 8, 'grey')
        : id === 2
          ? await jpeg(RED, 8, 8, 'cmyk')
          : id === 3
            ? await twoBands(8, 16, 8, RED, BLUE)
            : await jpeg(c === 1 ? BLUE : RED);
    put(join(root, 'images', rel), bytes);
    images.push(`${id} ${rel}`);
    labels.push(`${id} ${c + 1}`);
    split.push(`${id} ${id % 2}`);
    boxes.push(id === 3 ? `${id} 0.0 8.0 8.0 8.0` : `${id} 1.0 1.0 6.0 6.0`);
  }
  put(join(root, 'images.txt'), `${images.join('\n')}\n`);
  put(join(root, 'image_class_labels.txt'), `${labels.join('\n')}\n`);
  put(join(root, 'train_test_split.txt'), `${split.join('\n')}\n`);
  put(join(root, 'classes.txt'), `${CUB_CLASSES.map((c, i) => `${i + 1} ${c}`).join('\n')}\n`);
  put(join(root, 'bounding_boxes.txt'), `${boxes.join('\n')}\n`);
  return root;
}

test('cub: the official split, readable class names, grey and CMYK JPEGs decoded to RGB; cub-bbox crops to the box', async (t) => {
  const dir = fresh(t, 'cub');
  const root = await cubTree(dir);
  // The parent of CUB_200_2011 works too (the folder the archive was extracted in).
  const plan = await PUBLISHED.cub.plan(dir, {});
  assert.equal(plan.root, root);
  assert.deepEqual(plan.classNames, ['Black footed Albatross', 'Laysan Albatross', 'Sooty Albatross']);
  assert.deepEqual(
    plan.train.map((e) => e.label),
    [0, 1, 2],
  );
  assert.deepEqual(
    plan.test.map((e) => e.label),
    [0, 1, 2],
  );
  const d = await loadDataset(`cub:${root}`, { ...plain, imageSize: { height: 4, width: 4 } });
  assert.equal(d.train.channels, 3);
  assert.equal(d.source.kind, 'cub');
  const grey = meanRGB(d.train, 0); // id 1
  assert.ok(Math.abs(grey[0]! - grey[1]!) < 2 && Math.abs(grey[1]! - grey[2]!) < 2, `grey image: ${grey}`);
  assert.ok(near(meanRGB(d.test, 0), RED, 40), `CMYK image: ${meanRGB(d.test, 0)}`); // id 2
  // id 3 is red over blue; the whole image is a mix, its box (the bottom half) is blue.
  const whole = meanRGB(d.train, 1);
  assert.ok(whole[0]! > 80 && whole[2]! > 80, `uncropped: ${whole}`);
  const boxed = await loadDataset(`cub-bbox:${root}`, { ...plain, imageSize: { height: 4, width: 4 } });
  assert.ok(near(meanRGB(boxed.train, 1), BLUE), `cropped to the box: ${meanRGB(boxed.train, 1)}`);
  const target = await loadTarget(`cub:${root}`, { ...plain, imageSize: { height: 4, width: 4 } });
  assert.equal(target.test.count, 3);
});

test('a published target is decoded at its protocol input: resized, then the centre that torchvision crops', async (t) => {
  const dir = fresh(t, 'protocol');
  const root = await cubTree(dir);
  const target = await loadTarget(`cub:${root}`, plain);
  assert.deepEqual([target.train.height, target.train.width, target.test.height], [224, 224, 224]);
  assert.match(target.train.protocolInput ?? '', /^resize 256x256, centre crop 224x224/);
  assert.equal(target.test.protocolInput, target.train.protocolInput);
  // The same pixels as a 256x256 decode cut at rows and columns 16..239.
  const whole = await loadDataset(`cub:${root}`, { ...plain, imageSize: { height: 256, width: 256 } });
  assert.equal(whole.train.protocolInput, undefined, 'only a target asks for the protocol input');
  for (let i = 0; i < whole.train.count; i++) {
    const big = imageOf(whole.train, i);
    const cut = new Uint8Array(3 * 224 * 224);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 224; y++)
        cut.set(big.subarray(c * 65536 + (y + 16) * 256 + 16, c * 65536 + (y + 16) * 256 + 240), c * 50176 + y * 224);
    assert.deepEqual(imageOf(target.train, i), cut, `image ${i}`);
  }
  const fewShot = PUBLISHED.eurosat.input;
  assert.deepEqual([fewShot.resize, fewShot.crop], [257, 224]);
  assert.ok(PUBLISHED_KINDS.every((k) => PUBLISHED[k].input.crop === 224));
  // torchvision rounds the offset as Python does: round(16.5) = 16, round(15.5) = 16.
  assert.deepEqual(centreRegion({ height: 257, width: 255 }, { height: 224, width: 224 }), {
    left: 16,
    top: 16,
    width: 224,
    height: 224,
  });
  assert.equal(centreRegion({ height: 229, width: 229 }, { height: 224, width: 224 }).left, 2);
});

test('cub: a missing image, an extra image, a malformed line and ids that disagree each name the file and line', async (t) => {
  const dir = fresh(t, 'cub-bad');
  const root = await cubTree(dir);
  const f = (n: string) => join(root, n);
  const extra = put(join(root, 'images', CUB_CLASSES[0]!, 'stray.jpg'), await jpeg(RED));
  await assert.rejects(
    PUBLISHED.cub.plan(root, {}),
    dataError('DATA_MISMATCH', 'holds 1 image(s) that images.txt does not name', 'stray.jpg'),
  );
  rmSync(extra);
  const gone = join(root, 'images', CUB_CLASSES[2]!, `${CUB_CLASSES[2]!.slice(4)}_006_106.jpg`);
  const bytes = await jpeg(RED);
  rmSync(gone);
  await assert.rejects(
    PUBLISHED.cub.plan(root, {}),
    dataError('DATA_MISSING', `${f('images.txt')} line 6`, 'does not exist'),
  );
  put(gone, bytes);
  writeFileSync(f('train_test_split.txt'), '1 1\n2 0\n3 yes\n4 0\n5 1\n6 0\n');
  await assert.rejects(
    PUBLISHED.cub.plan(root, {}),
    dataError('DATA_FORMAT', `${f('train_test_split.txt')} line 3`, '<1 or 0>', '"3 yes"'),
  );
  writeFileSync(f('train_test_split.txt'), '1 1\n2 0\n3 1\n4 0\n5 1\n');
  await assert.rejects(
    PUBLISHED.cub.plan(root, {}),
    dataError('DATA_MISMATCH', 'line 6 lists image id 6', 'train_test_split.txt has no line'),
  );
  writeFileSync(f('train_test_split.txt'), '1 1\n2 0\n3 1\n4 0\n5 1\n6 0\n');
  writeFileSync(f('image_class_labels.txt'), '1 1\n2 1\n3 2\n4 2\n5 3\n6 1\n');
  await assert.rejects(
    PUBLISHED.cub.plan(root, {}),
    dataError('DATA_MISMATCH', 'line 6 puts image 6 in the folder 003.Sooty_Albatross', 'class 1'),
  );
  writeFileSync(f('image_class_labels.txt'), '1 1\n2 1\n3 2\n4 2\n5 3\n6 3\n');
  writeFileSync(f('bounding_boxes.txt'), '1 0 0 4 4\n2 0 0 4\n3 0 0 4 4\n4 0 0 4 4\n5 0 0 4 4\n6 0 0 4 4\n');
  await assert.rejects(
    PUBLISHED['cub-bbox'].plan(root, {}),
    dataError('DATA_FORMAT', `${f('bounding_boxes.txt')} line 2`),
  );
  assert.equal((await PUBLISHED.cub.plan(root, {})).train.length, 3, 'cub does not read bounding_boxes.txt');
});

// ---- FGVC-Aircraft ----

const VARIANTS = ['707-320', 'Cessna 172', 'F/A-18'];
const FAMILIES = ['Boeing 707', 'Cessna 172', 'F/A-18'];
const MAKERS = ['Boeing', 'Cessna', 'McDonnell Douglas'];

async function aircraftTree(dir: string): Promise<string> {
  const data = join(dir, 'fgvc-aircraft-2013b', 'data');
  const ids = ['0034309', '0034958', '1025794', '1340192', '2234567', '0056978'];
  // 12 wide, 30 high: 10 rows of red, then the 20-row banner in blue.
  const img = await twoBands(12, 30, 10, RED, BLUE);
  for (const id of ids) put(join(data, 'images', `${id}.jpg`), img);
  const rows = (names: string[], from: number) =>
    ids
      .slice(from, from + 3)
      .map((id, i) => `${id} ${names[i]}`)
      .join('\n') + '\n';
  for (const [level, names] of [
    ['variant', VARIANTS],
    ['family', FAMILIES],
    ['manufacturer', MAKERS],
  ] as const) {
    put(join(data, `images_${level}_trainval.txt`), rows(names, 0));
    put(join(data, `images_${level}_test.txt`), rows(names, 3));
  }
  put(join(data, 'variants.txt'), `${VARIANTS.join('\n')}\n`);
  put(join(data, 'families.txt'), `${FAMILIES.join('\n')}\n`);
  put(join(data, 'manufacturers.txt'), `${MAKERS.join('\n')}\n`);
  return join(dir, 'fgvc-aircraft-2013b');
}

test('aircraft: labels with spaces and slashes, three levels, trainval/test, the 20-row banner cropped off', async (t) => {
  const dir = fresh(t, 'aircraft');
  const root = await aircraftTree(dir);
  const plan = await PUBLISHED.aircraft.plan(dir, {});
  assert.deepEqual(plan.classNames, VARIANTS);
  assert.deepEqual([plan.train.length, plan.test.length], [3, 3]);
  assert.deepEqual((await PUBLISHED['aircraft-manufacturer'].plan(root, {})).classNames, MAKERS);
  assert.deepEqual((await PUBLISHED['aircraft-family'].plan(root, {})).classNames, FAMILIES);
  const d = await loadDataset(`aircraft:${root}`, plain);
  assert.deepEqual([d.train.height, d.train.width], [10, 12], 'default size: the first image less its banner');
  assert.ok(near(meanRGB(d.train, 0), RED), `no banner left: ${meanRGB(d.train, 0)}`);
  const kept = await loadDataset(`aircraft:${root}`, { ...plain, keepBanner: true });
  assert.equal(kept.train.height, 30);
});

test('aircraft: an unknown label, a missing image, an extra image and an image in both splits are refused by file and line', async (t) => {
  const dir = fresh(t, 'aircraft-bad');
  const root = await aircraftTree(dir);
  const data = join(root, 'data');
  const test1 = join(data, 'images_variant_test.txt');
  writeFileSync(test1, '1340192 707-320\n2234567 Cessna 999\n0056978 F/A-18\n');
  await assert.rejects(
    PUBLISHED.aircraft.plan(root, {}),
    dataError('DATA_FORMAT', `${test1} line 2`, 'from variants.txt', 'Cessna 999'),
  );
  writeFileSync(test1, '1340192 707-320\n2234567 Cessna 172\n0056978 F/A-18\n9999999 F/A-18\n');
  await assert.rejects(PUBLISHED.aircraft.plan(root, {}), dataError('DATA_MISSING', `${test1} line 4`, '9999999.jpg'));
  writeFileSync(test1, '1340192 707-320\n2234567 Cessna 172\n0034309 F/A-18\n');
  await assert.rejects(
    PUBLISHED.aircraft.plan(root, {}),
    dataError('DATA_MISMATCH', `${test1} line 3`, 'already lists'),
  );
  writeFileSync(test1, '1340192 707-320\n2234567 Cessna 172\n');
  await assert.rejects(PUBLISHED.aircraft.plan(root, {}), dataError('DATA_MISMATCH', '0056978.jpg', 'do not name'));
});

// ---- Flowers-102 ----

async function flowersTree(
  dir: string,
  labels: number[],
  sets: { trnid: number[]; valid: number[]; tstid: number[] },
  as: 'rgb' | 'grey' = 'rgb',
): Promise<void> {
  const bytes = [await jpeg(RED, 8, 8, as), await jpeg(BLUE, 8, 8, as)];
  labels.forEach((_, i) => put(join(dir, 'jpg', `image_${String(i + 1).padStart(5, '0')}.jpg`), bytes[i % 2]!));
  put(join(dir, 'imagelabels.mat'), matFile([numeric('labels', labels)], false));
  put(
    join(dir, 'setid.mat'),
    matFile([numeric('trnid', sets.trnid), numeric('valid', sets.valid), numeric('tstid', sets.tstid)]),
  );
}

test('flowers102: 1-based labels and image numbers from the .mat files; train = trnid + valid', async (t) => {
  const dir = fresh(t, 'flowers');
  await flowersTree(dir, [1, 2, 1, 2, 3, 3], { trnid: [1, 2], valid: [5], tstid: [3, 4, 6] }, 'grey');
  const plan = await PUBLISHED.flowers102.plan(dir, {});
  assert.deepEqual(plan.classNames, ['1', '2', '3']);
  assert.deepEqual(
    plan.train.map((e) => [e.file.slice(-15), e.label]),
    [
      ['image_00001.jpg', 0],
      ['image_00002.jpg', 1],
      ['image_00005.jpg', 2],
    ],
  );
  assert.deepEqual(
    plan.test.map((e) => e.label),
    [0, 1, 2],
  );
  const d = await loadDataset(`flowers102:${dir}`, plain);
  assert.equal(d.train.channels, 3, 'grey JPEGs give RGB by default');
});

test('flowers102: an index past the labels, overlapping splits, a missing and an extra image are named', async (t) => {
  const dir = fresh(t, 'flowers-bad');
  const labels = [1, 2, 1, 2];
  await flowersTree(dir, labels, { trnid: [1], valid: [2], tstid: [3, 5] });
  await assert.rejects(
    PUBLISHED.flowers102.plan(dir, {}),
    dataError('DATA_FORMAT', 'setid.mat', 'tstid(2) is 5', '1 to 4'),
  );
  await flowersTree(dir, labels, { trnid: [1], valid: [1], tstid: [3, 4] });
  await assert.rejects(
    PUBLISHED.flowers102.plan(dir, {}),
    dataError('DATA_MISMATCH', 'valid(1) is image 1', 'trnid(1)'),
  );
  await flowersTree(dir, labels, { trnid: [1], valid: [2], tstid: [3, 4] });
  rmSync(join(dir, 'jpg', 'image_00003.jpg'));
  await assert.rejects(
    PUBLISHED.flowers102.plan(dir, {}),
    dataError('DATA_MISSING', 'image_00003.jpg (image 3) does not exist'),
  );
  await flowersTree(dir, labels, { trnid: [1], valid: [2], tstid: [3, 4] });
  put(join(dir, 'jpg', 'image_00009.jpg'), await jpeg(RED));
  await assert.rejects(PUBLISHED.flowers102.plan(dir, {}), dataError('DATA_MISMATCH', 'image_00009.jpg'));
  rmSync(join(dir, 'jpg', 'image_00009.jpg'));
  writeFileSync(join(dir, 'setid.mat'), matFile([numeric('trnid', [1])]).subarray(0, 150));
  await assert.rejects(PUBLISHED.flowers102.plan(dir, {}), dataError('DATA_CORRUPT', 'setid.mat'));
});

// ---- Stanford Dogs ----

const BREEDS = ['n02085620-Chihuahua', 'n02085782-Japanese_spaniel'];

async function dogsTree(
  dir: string,
  trainFiles: string[],
  trainLabels: number[],
  testFiles: string[],
  testLabels: number[],
): Promise<void> {
  const img = await jpeg(RED);
  for (const f of [...trainFiles, ...testFiles]) put(join(dir, 'Images', f), img);
  put(
    join(dir, 'lists', 'train_list.mat'),
    matFile([cellOfStrings('file_list', trainFiles), numeric('labels', trainLabels, true)]),
  );
  put(
    join(dir, 'lists', 'test_list.mat'),
    matFile([cellOfStrings('file_list', testFiles), numeric('labels', testLabels, true)], false),
  );
}
const dog = (b: number, i: number): string => `${BREEDS[b]}/${BREEDS[b]!.slice(0, 9)}_${i}.jpg`;

test('dogs: cell arrays of paths and 1-based labels from the two lists; breed names from the folders', async (t) => {
  const dir = fresh(t, 'dogs');
  await dogsTree(dir, [dog(0, 1), dog(1, 2), dog(0, 3)], [1, 2, 1], [dog(1, 4)], [2]);
  const plan = await PUBLISHED.dogs.plan(dir, {});
  assert.deepEqual(plan.classNames, ['Chihuahua', 'Japanese spaniel']);
  assert.deepEqual(
    plan.train.map((e) => e.label),
    [0, 1, 0],
  );
  assert.deepEqual(
    plan.test.map((e) => e.label),
    [1],
  );
});

test('dogs: a label that disagrees with the folder, a missing and an extra image are named by list and entry', async (t) => {
  const dir = fresh(t, 'dogs-bad');
  await dogsTree(dir, [dog(0, 1), dog(1, 2), dog(0, 3)], [1, 2, 2], [dog(1, 4)], [2]);
  await assert.rejects(
    PUBLISHED.dogs.plan(dir, {}),
    dataError('DATA_MISMATCH', 'train_list.mat entry 3', 'label 2', BREEDS[1]!),
  );
  await dogsTree(dir, [dog(0, 1), dog(1, 2)], [1, 2], [dog(1, 4)], [2]);
  await assert.rejects(
    PUBLISHED.dogs.plan(dir, {}),
    dataError('DATA_MISMATCH', 'train_list.mat and test_list.mat', dog(0, 3)),
  );
  rmSync(join(dir, 'Images', dog(0, 3)));
  rmSync(join(dir, 'Images', dog(1, 4)));
  await assert.rejects(PUBLISHED.dogs.plan(dir, {}), dataError('DATA_MISSING', 'test_list.mat entry 1', dog(1, 4)));
});

// ---- MIT Indoor-67 ----

test('mit67: the two lists give the split; unlisted images are expected; bad lines are named', async (t) => {
  const dir = fresh(t, 'mit67');
  const cmyk = await jpeg(RED, 8, 8, 'cmyk');
  const blue = await jpeg(BLUE);
  for (const f of [
    'airport_inside/a1.jpg',
    'airport_inside/a2.jpg',
    'bakery/b1.jpg',
    'bakery/b2.jpg',
    'bakery/unlisted.jpg',
  ])
    put(join(dir, 'Images', f), f.startsWith('airport') ? cmyk : blue);
  put(join(dir, 'TrainImages.txt'), 'airport_inside/a1.jpg\r\nbakery/b1.jpg\r\n');
  put(join(dir, 'TestImages.txt'), 'airport_inside/a2.jpg\r\nbakery/b2.jpg\r\n');
  const plan = await PUBLISHED.mit67.plan(dir, {});
  assert.deepEqual(plan.classNames, ['airport_inside', 'bakery']);
  assert.deepEqual([plan.train.length, plan.test.length], [2, 2]);
  assert.match(plan.notes.join(';'), /1 images .* in neither list/);
  const d = await loadDataset(`mit67:${dir}`, plain);
  assert.ok(near(meanRGB(d.train, 0), RED, 40), `CMYK through decodePlan: ${meanRGB(d.train, 0)}`);
  put(join(dir, 'TestImages.txt'), 'airport_inside/a2.jpg\nbakery/b3.jpg\n');
  await assert.rejects(
    PUBLISHED.mit67.plan(dir, {}),
    dataError('DATA_MISSING', `${join(dir, 'TestImages.txt')} line 2`, 'bakery/b3.jpg'),
  );
  put(join(dir, 'TestImages.txt'), 'airport_inside/a2.jpg\nb2.jpg\n');
  await assert.rejects(
    PUBLISHED.mit67.plan(dir, {}),
    dataError('DATA_FORMAT', `${join(dir, 'TestImages.txt')} line 2`, '"<class>/<file>.jpg"'),
  );
  put(join(dir, 'TestImages.txt'), 'bakery/unlisted.jpg\nairport_inside/a1.jpg\n');
  await assert.rejects(
    PUBLISHED.mit67.plan(dir, {}),
    dataError('DATA_MISMATCH', `${join(dir, 'TestImages.txt')} line 2`, 'TrainImages.txt line 1'),
  );
});

// ---- the cross-domain few-shot sets ----

test('eurosat and plantvillage: class folders (2750/, dataset/train/) split 50/50 per class, seeded', async (t) => {
  const dir = fresh(t, 'xdomain');
  const img = await jpeg(BLUE);
  const red = await jpeg(RED);
  for (const c of ['AnnualCrop', 'Forest'])
    for (let i = 1; i <= 5; i++) put(join(dir, 'eurosat', '2750', c, `${c}_${i}.jpg`), c === 'Forest' ? img : red);
  for (const c of ['Apple___Apple_scab', 'Tomato___healthy'])
    for (let i = 1; i <= 4; i++) put(join(dir, 'pv', 'dataset', 'train', c, `x${i}.JPG`), img);
  const eu = await PUBLISHED.eurosat.plan(join(dir, 'eurosat'), {});
  assert.deepEqual(eu.classNames, ['AnnualCrop', 'Forest']);
  assert.deepEqual([eu.train.length, eu.test.length], [4, 6]);
  assert.deepEqual(
    (await PUBLISHED.eurosat.plan(join(dir, 'eurosat'), {})).test.map((e) => e.file),
    eu.test.map((e) => e.file),
    'the same split every time',
  );
  const pv = await PUBLISHED.plantvillage.plan(join(dir, 'pv'), {});
  assert.deepEqual([pv.classNames.length, pv.train.length, pv.test.length], [2, 4, 4]);
  const target = await loadTarget(`eurosat:${join(dir, 'eurosat')}`, plain);
  assert.deepEqual([target.train.count, target.test.count, target.train.channels], [4, 6, 3]);
});

test('isic2018: one-hot ground truth; a row with two classes, a missing and an unlabelled image are named', async (t) => {
  const dir = fresh(t, 'isic');
  const input = join(dir, 'ISIC2018_Task3_Training_Input');
  const csv = join(dir, 'ISIC2018_Task3_Training_GroundTruth', 'ISIC2018_Task3_Training_GroundTruth.csv');
  const img = await jpeg(RED);
  const rows: string[] = [];
  for (let i = 0; i < 14; i++) {
    const id = `ISIC_00243${String(i).padStart(2, '0')}`;
    put(join(input, `${id}.jpg`), img);
    rows.push(`${id},${Array.from({ length: 7 }, (_, c) => (c === i % 7 ? '1.0' : '0.0')).join(',')}`);
  }
  put(join(input, 'ATTRIBUTION.txt'), 'not an image');
  const header = 'image,MEL,NV,BCC,AKIEC,BKL,DF,VASC';
  put(csv, `${header}\n${rows.join('\n')}\n`);
  const plan = await PUBLISHED.isic2018.plan(dir, {});
  assert.deepEqual(plan.classNames, ['MEL', 'NV', 'BCC', 'AKIEC', 'BKL', 'DF', 'VASC']);
  assert.deepEqual([plan.train.length, plan.test.length], [7, 7]);
  put(csv, `${header}\n${rows.slice(0, 2).join('\n')}\nISIC_0024302,1.0,1.0,0.0,0.0,0.0,0.0,0.0\n`);
  await assert.rejects(PUBLISHED.isic2018.plan(dir, {}), dataError('DATA_FORMAT', `${csv} line 4`, 'exactly one 1.0'));
  put(csv, `${header}\n${rows.join('\n')}\nISIC_9999999,1.0,0.0,0.0,0.0,0.0,0.0,0.0\n`);
  await assert.rejects(
    PUBLISHED.isic2018.plan(dir, {}),
    dataError('DATA_MISSING', `${csv} line 16`, 'ISIC_9999999.jpg'),
  );
  put(csv, `${header}\n${rows.slice(1).join('\n')}\n`);
  await assert.rejects(PUBLISHED.isic2018.plan(dir, {}), dataError('DATA_MISMATCH', 'ISIC_0024300.jpg'));
});

test('chestx: only rows whose one finding is among the 7 classes; images in images_NNN/images/; a missing image is named', async (t) => {
  const dir = fresh(t, 'chestx');
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  const dark = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 20, g: 20, b: 20 } } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  const findings = ['Atelectasis', 'Cardiomegaly', 'Effusion', 'Infiltration', 'Mass', 'Nodule', 'Pneumothorax'];
  const rows: string[] = [];
  let k = 0;
  const add = (finding: string) => {
    const name = `0000${String(k).padStart(4, '0')}_000.png`;
    put(join(dir, `images_00${1 + (k % 2)}`, 'images', name), k % 3 === 0 ? dark : png);
    rows.push(`${name},${finding},0,${k},058Y,M,PA,2682,2749,0.143,0.143`);
    k++;
  };
  for (const f of findings) {
    add(f);
    add(f);
  }
  for (const f of ['No Finding', 'Pneumonia', 'Cardiomegaly|Emphysema', 'Hernia']) add(f);
  const csv = join(dir, 'Data_Entry_2017.csv');
  const header =
    'Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],';
  put(csv, `${header}\n${rows.join('\n')}\n`);
  const plan = await PUBLISHED.chestx.plan(dir, {});
  assert.deepEqual(plan.classNames, findings);
  assert.deepEqual([plan.train.length, plan.test.length], [7, 7]);
  assert.match(plan.notes.join(';'), /4 rows .* not used/);
  const d = await loadDataset(`chestx:${dir}`, plain);
  assert.equal(d.train.channels, 3, 'grey X-rays are decoded to RGB');
  rmSync(join(dir, 'images_001', 'images', '00000002_000.png'));
  await assert.rejects(PUBLISHED.chestx.plan(dir, {}), dataError('DATA_MISSING', `${csv} line 4`, '00000002_000.png'));
  put(join(dir, 'images_001', 'images', '00000002_000.png'), png);
  put(join(dir, 'images_002', 'images', '00009999_000.png'), png);
  await assert.rejects(PUBLISHED.chestx.plan(dir, {}), dataError('DATA_MISMATCH', 'not in', '00009999_000.png'));
});

// ---- the registry and the command line ----

test('every published kind is a KIND:PATH source; a near miss is suggested', () => {
  for (const k of PUBLISHED_KINDS) assert.deepEqual(parseDatasetSpec(`${k}:/x`), { kind: k, path: '/x' });
  assert.throws(
    () => parseDatasetSpec('flowers:/x'),
    (e: Error) => /did you mean "flowers102:\/x"/.test(e.message),
  );
});

test('seal data check: exit 0 on a folder with the published counts, 1 with the differences or a broken file; --help lists every layout', async (t) => {
  const dir = fresh(t, 'check');
  // Flowers-102 in full: 8,189 images (one tiny JPEG, copied), 102 classes, 1,020 + 1,020 / 6,149.
  const labels = Array.from({ length: 8189 }, (_, i) => (i % 102) + 1);
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  await flowersTree(dir, labels, { trnid: range(1, 1020), valid: range(1021, 1020), tstid: range(2041, 6149) });
  const ok = seal(['data', 'check', 'flowers102', dir]);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /102 classes; train 2,040 images, test 6,149 images/);
  assert.match(ok.stdout, /matches the published counts/);
  const cub = await cubTree(join(dir, 'cub'));
  const diff = seal(['data', 'check', 'cub', cub]);
  assert.equal(diff.status, 1, diff.stderr);
  assert.match(diff.stdout, /Black footed Albatross +1 +1/);
  assert.match(diff.stdout, /classes: 3 here, 200 published/);
  assert.match(diff.stdout, /train: 3 images here, 5,994 published/);
  writeFileSync(join(cub, 'train_test_split.txt'), '1 1\n2 x\n3 1\n4 0\n5 1\n6 0\n');
  refused(seal(['data', 'check', 'cub', cub]), 1, `${join(cub, 'train_test_split.txt')} line 2`);
  refused(seal(['data', 'check', 'flowers', dir]), 2, "did you mean 'flowers102'");
  const help = seal(['data', '--help']);
  assert.equal(help.status, 0);
  for (const k of PUBLISHED_KINDS) assert.match(help.stdout, new RegExp(`^  ${k}: `, 'm'));
  assert.match(help.stdout, /images_variant_trainval\.txt/);
});
