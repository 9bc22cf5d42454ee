import { expandFactorial, validateExperimentDefinition } from './experiment-definition';

const paths = (definition: unknown): string[] => validateExperimentDefinition(definition).map((p) => p.path);

describe('validateExperimentDefinition', () => {
  it('accepts well-formed A/B/n and factorial definitions', () => {
    expect(
      validateExperimentDefinition({
        key: 'subject-test',
        arms: [
          { name: 'A', weight: 0.5 },
          { name: 'B', weight: 0.5 },
        ],
      }),
    ).toEqual([]);
    // 0.1 + 0.2 + 0.7 is 0.9999999999999999 in doubles: inside the 1e-9 tolerance.
    expect(
      validateExperimentDefinition({
        key: 'x',
        arms: [
          { name: 'A', weight: 0.1 },
          { name: 'B', weight: 0.2 },
          { name: 'C', weight: 0.7 },
          { name: 'paused', weight: 0 },
        ],
        holdout: { fraction: 0.05, key: 'global-holdout' },
      }),
    ).toEqual([]);
    expect(
      validateExperimentDefinition({
        key: 'mvt',
        factors: [
          { name: 'subject', levels: ['plain', 'emoji'] },
          { name: 'image', levels: ['none', 'hero', 'product'], weights: [0.5, 0.25, 0.25] },
        ],
      }),
    ).toEqual([]);
  });

  it('reports every problem at once, each with a path', () => {
    const problems = validateExperimentDefinition({
      key: '',
      arms: [
        { name: 'A', weight: 0.6 },
        { name: 'B', weight: -0.1 },
        { name: 'A', weight: 0.3 },
        { name: '', weight: 'lots' },
      ],
      factors: [
        { name: 'subject', levels: ['only'] },
        { name: 'subject', levels: ['x', 'y', 'x'], weights: [0.5, 0.5] },
      ],
      holdout: { fraction: 1, key: '' },
    });
    const byPath = (path: string): string[] => problems.filter((p) => p.path === path).map((p) => p.message);
    expect(byPath('key')).toEqual(['must be a non-empty string']);
    expect(byPath('')).toEqual(['define either arms or factors, not both']);
    expect(byPath('arms[1].weight')).toEqual(['must not be negative (got -0.1)']);
    expect(byPath('arms[2].name')).toEqual(['duplicate arm name "A" (also arms[0])']);
    expect(byPath('arms[3].name')).toEqual(['must be a non-empty string']);
    expect(byPath('arms[3].weight')).toEqual(['must be a finite number (got lots)']);
    expect(byPath('factors[0].levels')).toEqual(['a factor needs at least 2 levels (got 1)']);
    expect(byPath('factors[1].name')).toEqual(['duplicate factor name "subject" (also factors[0])']);
    expect(byPath('factors[1].levels[2]')).toEqual(['duplicate level "x" (also levels[0])']);
    expect(byPath('factors[1].weights')).toEqual(['needs one weight per level (3, got 2)']);
    expect(byPath('holdout.fraction')).toEqual(['must be a number in [0, 1) (got 1)']);
    expect(byPath('holdout.key')).toEqual(['must be a non-empty string when given']);
    expect(problems).toHaveLength(12);
  });

  it('checks that weights sum to 1 within 1e-9', () => {
    const arms = (weights: number[]) => ({
      key: 'k',
      arms: weights.map((weight, i) => ({ name: `arm${i}`, weight })),
    });
    expect(validateExperimentDefinition(arms([0.3, 0.3, 0.3]))).toEqual([
      { path: 'arms', message: 'weights must sum to 1 (got 0.8999999999999999)' },
    ]);
    expect(paths(arms([0.5, 0.5 + 2e-9]))).toEqual(['arms']);
    expect(paths(arms([0.5, 0.5 + 5e-10]))).toEqual([]);
    // A negative weight is reported on its own and in the sum.
    expect(paths(arms([1.2, -0.2, 0.1]))).toEqual(['arms[1].weight', 'arms']);
    expect(paths({ key: 'k', factors: [{ name: 'f', levels: ['a', 'b'], weights: [0.7, 0.2] }] })).toEqual([
      'factors[0].weights',
    ]);
  });

  it('rejects weights and cells too small for a 0.01 % bucket', () => {
    expect(
      paths({
        key: 'k',
        arms: [
          { name: 'a', weight: 0.99995 },
          { name: 'b', weight: 0.00005 },
        ],
      }),
    ).toEqual(['arms[1].weight']);
    const tinyCell = validateExperimentDefinition({
      key: 'k',
      factors: [
        { name: 'f', levels: ['a', 'b'], weights: [0.001, 0.999] },
        { name: 'g', levels: ['c', 'd'], weights: [0.05, 0.95] },
      ],
    });
    expect(tinyCell).toHaveLength(1);
    expect(tinyCell[0].message).toMatch(/cell "f=a\|g=c" gets weight 0.00005/);
  });

  it('rejects arms that are not a list of at least two, and non-objects', () => {
    expect(paths({ key: 'k', arms: [{ name: 'only', weight: 1 }] })).toEqual(['arms']);
    expect(paths({ key: 'k', arms: 'A,B' })).toEqual(['arms']);
    expect(paths({ key: 'k' })).toEqual(['']);
    expect(paths(null)).toEqual(['']);
    expect(paths({ key: 'k', arms: [null, { name: 'b', weight: 1 }] })).toEqual(['arms[0]']);
  });

  it('catches cell names that collide through the separator', () => {
    const problems = validateExperimentDefinition({
      key: 'k',
      factors: [
        { name: 'a', levels: ['x|b=y', 'x'] },
        { name: 'b', levels: ['z', 'y|b=z'] },
      ],
    });
    expect(problems).toEqual([{ path: 'factors', message: 'two cells share the name "a=x|b=y|b=z"' }]);
  });
});

describe('expandFactorial', () => {
  it('expands every combination, first factor slowest, multiplying level weights', () => {
    const cells = expandFactorial([
      { name: 'subject', levels: ['plain', 'emoji'] },
      { name: 'image', levels: ['none', 'hero', 'product'], weights: [0.5, 0.25, 0.25] },
    ]);
    expect(cells.map((c) => c.name)).toEqual([
      'subject=plain|image=none',
      'subject=plain|image=hero',
      'subject=plain|image=product',
      'subject=emoji|image=none',
      'subject=emoji|image=hero',
      'subject=emoji|image=product',
    ]);
    expect(cells[4].levels).toEqual(['emoji', 'hero']);
    expect(cells.map((c) => c.weight)).toEqual([0.25, 0.125, 0.125, 0.25, 0.125, 0.125]);
    expect(cells.reduce((s, c) => s + c.weight, 0)).toBeCloseTo(1, 15);
  });
});
