import { tokensInAddress, unsubscribeMailto } from './inbound-unsubscribe.usecase';

describe('mailto unsubscribe addresses', () => {
  const token = 'u.3f2b8c1e-9d4a-4e7b-8a1c-2b3c4d5e6f70.AbCdEfGhIjKlMnOpQrStUv';

  it('puts the token in the local part, within 64 octets', () => {
    const mailto = unsubscribeMailto(token, 'mail.example.test');
    expect(mailto).toBe(`mailto:u+${token}@mail.example.test?subject=unsubscribe`);
    expect(mailto.slice('mailto:'.length, mailto.indexOf('@')).length).toBeLessThanOrEqual(64);
  });

  it('finds the token in a bare address, with a display name, or among several', () => {
    expect(tokensInAddress(`u+${token}@mail.example.test`)).toEqual([token]);
    expect(tokensInAddress(`"Unsubscribe" <u+${token}@mail.example.test>`)).toEqual([token]);
    expect(tokensInAddress(`a@b.test, Unsub <unsubscribe+${token}@x.test>`)).toEqual([token]);
  });

  it('finds nothing in an address without a token', () => {
    expect(tokensInAddress('unsubscribe@mail.example.test')).toEqual([]);
    expect(tokensInAddress('u+garbage@mail.example.test')).toEqual([]);
    expect(tokensInAddress('')).toEqual([]);
  });
});
