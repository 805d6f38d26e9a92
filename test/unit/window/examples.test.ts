import { readdirSync } from 'fs';
import { join } from 'path';
import { loadWindowFile } from '../../../shared/window/load';
import { formatProblem } from '../../../shared/window/problems';

const WINDOWS_DIR = join(__dirname, '../../../windows');
const files = readdirSync(WINDOWS_DIR).filter((f) => f.endsWith('.yaml')).sort();

describe('example windows', () => {
  it.each(files)('%s loads and validates', (file) => {
    const result = loadWindowFile(join(WINDOWS_DIR, file));
    expect(result.problems.map(formatProblem)).toEqual([]);
  });
});
