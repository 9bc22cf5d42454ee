import { ClvFitError, ClvFitErrorCode } from '../clv/fit-errors';
import {
  CalibrationWindowError,
  checkWindowAgainstData,
  parseDay,
  resolveCalibrationWindow,
} from './calibration-window';

const NOW = new Date('2025-03-15T10:00:00Z');

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof CalibrationWindowError ? error.reason : String(error);
  }
  return 'ok';
};

describe('resolveCalibrationWindow', () => {
  it('defaults the calibration end to today (UTC) and measures the holdout in days', () => {
    expect(resolveCalibrationWindow({}, NOW)).toEqual({ calibrationEnd: '2025-03-15' });
    expect(resolveCalibrationWindow({ calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30' }, NOW)).toEqual(
      {
        calibrationEnd: '1997-09-30',
        holdoutEnd: '1998-06-30',
        holdoutDays: 273,
      },
    );
  });

  it('takes the UTC day of a date-time', () => {
    expect(
      resolveCalibrationWindow({ calibrationEnd: '1997-09-30T23:30:00-02:00' }, NOW).calibrationEnd,
    ).toBe('1997-10-01');
    expect(parseDay('2024-02-29', 'd')).toBe(Date.UTC(2024, 1, 29) / 86_400_000);
  });

  it('rejects future dates, a holdout not after calibration and non-dates', () => {
    expect(reasonOf(() => resolveCalibrationWindow({ calibrationEnd: '2025-03-16' }, NOW))).toBe('invalid');
    expect(
      reasonOf(() =>
        resolveCalibrationWindow({ calibrationEnd: '2024-01-01', holdoutEnd: '2025-04-01' }, NOW),
      ),
    ).toBe('invalid');
    expect(
      reasonOf(() =>
        resolveCalibrationWindow({ calibrationEnd: '2024-01-01', holdoutEnd: '2024-01-01' }, NOW),
      ),
    ).toBe('invalid');
    expect(reasonOf(() => resolveCalibrationWindow({ calibrationEnd: '2024-02-30' }, NOW))).toBe('invalid');
    expect(reasonOf(() => resolveCalibrationWindow({ calibrationEnd: 'soon' }, NOW))).toBe('invalid');
  });
});

describe('checkWindowAgainstData', () => {
  const span = { first: '1997-01-01', last: '1998-06-30' };

  it('accepts a calibration end on or after the first order', () => {
    expect(reasonOf(() => checkWindowAgainstData({ calibrationEnd: '1997-01-01' }, span))).toBe('ok');
    expect(reasonOf(() => checkWindowAgainstData({ calibrationEnd: '2001-01-01' }, span))).toBe('ok');
  });

  it('rejects a calibration end before the first order, and data without orders', () => {
    expect(reasonOf(() => checkWindowAgainstData({ calibrationEnd: '1996-12-31' }, span))).toBe(
      'outside_data',
    );
    try {
      checkWindowAgainstData({ calibrationEnd: '1997-01-01' }, undefined);
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(ClvFitError);
      expect((error as ClvFitError).code).toBe(ClvFitErrorCode.TooFewCustomers);
    }
  });
});
