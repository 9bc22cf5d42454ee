import { decideAutoWinner, type AutoWinnerInput } from './auto-winner';

const decisive: AutoWinnerInput = {
  minSamplePerArm: 1000,
  arms: [
    { name: 'control', exposures: 1000 },
    { name: 'b', exposures: 1200 },
  ],
  verdict: { status: 'winner', winner: 'b', method: 'always-valid' },
  guardrails: [{ metric: 'click_rate', arms: [{ arm: 'b', harmful: false }] }],
};

describe('decideAutoWinner', () => {
  it('promotes a decisive winner once every arm has the minimum sample and no guardrail is harmed', () => {
    expect(decideAutoWinner(decisive)).toMatchObject({ winner: 'b' });
  });

  it('waits until every arm, the control included, has the minimum sample', () => {
    const decision = decideAutoWinner({
      ...decisive,
      arms: [
        { name: 'control', exposures: 999 },
        { name: 'b', exposures: 5000 },
      ],
    });
    expect(decision.winner).toBeNull();
    expect(decision.reason).toMatch(/control has 999/);
  });

  it('does not promote on a harmful-only, undecided or mismatched verdict, or a fixed-horizon one', () => {
    for (const status of ['harmful', 'no-difference-yet', 'sample-ratio-mismatch']) {
      const decision = decideAutoWinner({
        ...decisive,
        verdict: { status, winner: null, method: 'always-valid' },
      });
      expect(decision).toEqual({ winner: null, reason: expect.stringContaining(status) });
    }
    expect(decideAutoWinner({ ...decisive, verdict: null }).winner).toBeNull();
    expect(
      decideAutoWinner({ ...decisive, verdict: { status: 'winner', winner: 'b', method: 'fixed-horizon' } })
        .winner,
    ).toBeNull();
  });

  it('does not promote a winner that significantly harms a guardrail, whatever other arms do', () => {
    const harmed = decideAutoWinner({
      ...decisive,
      guardrails: [
        { metric: 'click_rate', arms: [{ arm: 'b', harmful: false }] },
        { metric: 'open_rate', arms: [{ arm: 'b', harmful: true }] },
      ],
    });
    expect(harmed).toEqual({ winner: null, reason: expect.stringContaining('open_rate') });
    const otherArm = decideAutoWinner({
      ...decisive,
      guardrails: [{ metric: 'open_rate', arms: [{ arm: 'c', harmful: true }] }],
    });
    expect(otherArm.winner).toBe('b');
  });
});
