/**
 * Loaders for the CDNOW reference data used by the CLV specs (see data/README.md in the shared folder beside the repository).
 * Test support only; nothing in the models imports it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Transaction } from './summary';

export const CDNOW_DIR = path.resolve(__dirname, '../../../../shared/data/cdnow');

export interface CdnowSummaryRow {
  id: string;
  x: number;
  tx: number;
  T: number;
}

export interface CdnowSpendRow extends CdnowSummaryRow {
  zbar: number;
}

function readCsv(file: string): string[][] {
  // The spend file has CRLF line endings and no final newline; split defensively.
  const lines = fs
    .readFileSync(path.join(CDNOW_DIR, file), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  return lines.slice(1).map((line) => line.split(','));
}

/** cdnow_customers_summary.csv: ID, frequency, recency, T. */
export function loadCdnowSummary(): CdnowSummaryRow[] {
  return readCsv('cdnow_customers_summary.csv').map(([id, x, tx, T]) => ({
    id,
    x: Number(x),
    tx: Number(tx),
    T: Number(T),
  }));
}

/** cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T, zbar. */
export function loadCdnowSpend(): CdnowSpendRow[] {
  return readCsv('cdnow_customers_summary_with_transactions.csv').map(([id, x, tx, T, zbar]) => ({
    id,
    x: Number(x),
    tx: Number(tx),
    T: Number(T),
    zbar: Number(zbar),
  }));
}

/** CDNOW_sample.txt: master_id, id, yyyymmdd, n_cds, dollars; keyed by the short id the CSVs use. */
export function loadCdnowTransactions(): Transaction<string>[] {
  const text = fs.readFileSync(path.join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [, id, ymd, , dollars] = line.split(/\s+/);
      return {
        customerId: String(Number(id)),
        date: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
        amount: Number(dollars),
      };
    });
}
