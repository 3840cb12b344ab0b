// Every provider's contract cases, through the real client, against a recording server and Prism.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startGoogleTokenServer, type GoogleTokenServer } from '../../helpers/google-token-server.js';
import { startPrism, type PrismServer } from '../../helpers/prism.js';
import { startRecordingServer, type RecordingServer } from '../../helpers/recording-server.js';
import { loadProviderCases, placeholders } from '../../contract/harness/cases.js';
import { runAgainstPrism, runAgainstRecorder, sendsToPrism } from './tmp-run-case.js';

const providers = loadProviderCases(join(process.cwd(), 'spec'));

// Google OAuth for real: cases name ${GOOGLE_CREDENTIALS}, a service-account key whose token_uri is a local token server.
let googleTokens: GoogleTokenServer;
beforeAll(async () => {
  googleTokens = await startGoogleTokenServer();
  placeholders['GOOGLE_CREDENTIALS'] = googleTokens.serviceAccountJson();
});
afterAll(async () => googleTokens?.close());

for (const provider of providers) {
  describe(`${provider.providerId} contract`, () => {
    let recorder: RecordingServer;
    const prisms = new Map<string, PrismServer>();
    const contractsUsed = new Set(provider.cases.filter(sendsToPrism).map((c) => c.contract ?? provider.contracts[0]!));

    beforeAll(async () => {
      recorder = await startRecordingServer();
      await Promise.all(
        [...contractsUsed].map(async (file) => prisms.set(file, await startPrism(join(provider.dir, file)))),
      );
    });

    afterAll(async () => {
      await recorder?.close();
      await Promise.all([...prisms.values()].map((prism) => prism.stop()));
    });

    it('has contract cases', ({ expect }) => {
      expect(provider.cases.length).toBeGreaterThan(0);
    });

    for (const testCase of provider.cases) {
      it(`${testCase.file}: ${testCase.description}`, async () => {
        await runAgainstRecorder(testCase, recorder);
        if (sendsToPrism(testCase)) await runAgainstPrism(testCase, prisms.get(testCase.contract ?? provider.contracts[0]!)!.url);
      });
    }
  });
}
