/**
 * The SET list that applies a folded profile update `u` to customer `c` (both aliases fixed): traits merged key by
 * key, email and timezone kept unless given, and consent changed only by an update at least as recent as the one
 * that set it, so replays and late-arriving calls cannot turn it back. `now` is the SQL of the updated_at value.
 */
export const profileAssignments = (now: string) => `
         traits = c.traits || u.traits,
         email = coalesce(u.email, c.email),
         timezone = coalesce(u.timezone, c.timezone),
         marketing_consent = CASE WHEN u.consent IS NOT NULL AND (c.consent_at IS NULL OR u.consent_at >= c.consent_at)
                                  THEN u.consent ELSE c.marketing_consent END,
         consent_source = CASE WHEN u.consent IS NOT NULL AND (c.consent_at IS NULL OR u.consent_at >= c.consent_at)
                               THEN 'identify' ELSE c.consent_source END,
         consent_at = CASE WHEN u.consent IS NOT NULL AND (c.consent_at IS NULL OR u.consent_at >= c.consent_at)
                           THEN u.consent_at ELSE c.consent_at END,
         updated_at = ${now}`;
