// Tests that read a dataset from disk. Without it a developer's run skips them and says what is
// missing and how to get it. Under CI=true (.ci/run sets it) a missing dataset is a failure: the
// CI installs every dataset, so a skip there would mean a broken setup passing unnoticed, and
// these are the slowest, most telling tests.
import { test } from 'node:test';
import { existsSync } from 'node:fs';

/** One of the files Debian's dataset-fashion-mnist installs. */
export const FASHION_MNIST = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
export const FASHION_MNIST_INSTALL = 'apt-get install dataset-fashion-mnist, or bash scripts/setup.sh';

const failed = new Set<string>();

/**
 * The `skip` option of a test that needs `path`: false when it exists, else the reason. With
 * CI=true a missing path also adds one failing test to the file, named after the path, so the
 * run fails; the tests that need it are skipped rather than failing again for the same cause.
 *
 * @example test('reads Fashion-MNIST', { skip: needsData(FASHION_MNIST, FASHION_MNIST_INSTALL) }, async () => {});
 */
export function needsData(
  path: string,
  install: string,
  env: Record<string, string | undefined> = process.env,
): string | false {
  if (existsSync(path)) return false;
  const reason = `${path} is missing (${install})`;
  if (env['CI'] !== 'true') return reason;
  if (!failed.has(path)) {
    failed.add(path);
    test(`dataset present: ${path}`, () => {
      throw new Error(`CI=true and ${reason}: the CI must install every dataset the tests read`);
    });
  }
  return `${reason}; CI=true, so the test 'dataset present: ${path}' fails`;
}
