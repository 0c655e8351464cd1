import { describe, expect, it } from 'vitest';
import { adobeAuthFailedDescription, adobeChallengeDescription, adobeNoSuchUserDescription, adobeResponse, ADOBE_NEED_AUTH_DESCRIPTION } from '#domain/adobe-auth.js';
import { adobeClientStep } from '#ingest/protocols/rtmp/adobe-client-auth.js';

describe('adobeClientStep (the publisher side of Adobe RTMP auth)', () => {
  it('answers "need auth" with authmod=adobe and the user', () => {
    expect(adobeClientStep(ADOBE_NEED_AUTH_DESCRIPTION, 'alice', 'pw', 'c2')).toEqual({ kind: 'retry', query: 'authmod=adobe&user=alice' });
  });

  it('answers the challenge with a response the server side computes the same, values unencoded', () => {
    const values = { user: 'alice', salt: 'Sa+l/t==', challenge: 'ChAl', opaque: 'Op/aq+ue' };
    const step = adobeClientStep(adobeChallengeDescription(values), 'alice', 's3cret', 'deadbeef');
    const response = adobeResponse({ user: 'alice', password: 's3cret', salt: values.salt, challenge: values.challenge, opaque: values.opaque, clientChallenge: 'deadbeef' });
    expect(step).toEqual({ kind: 'retry', query: `authmod=adobe&user=alice&challenge=deadbeef&response=${response}&opaque=Op/aq+ue` });
  });

  it('stops on authfailed and nosuchuser, and leaves other refusals alone', () => {
    expect(adobeClientStep(adobeAuthFailedDescription(), 'alice', 'pw', 'c2')).toEqual({ kind: 'failed', reason: 'authfailed' });
    expect(adobeClientStep(adobeNoSuchUserDescription(), 'alice', 'pw', 'c2')).toEqual({ kind: 'failed', reason: 'nosuchuser' });
    expect(adobeClientStep('Connection refused', 'alice', 'pw', 'c2')).toEqual({ kind: 'none' });
    expect(adobeClientStep('[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=needauth', 'alice', 'pw', 'c2')).toEqual({ kind: 'none' });
  });
});
