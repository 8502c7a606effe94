import { startSumupEmulator } from './emulator.ts';

// `npm run sumup-emulator`. Accounts come as SUMUP_EMULATOR_ACCOUNTS="apiKey:merchantCode,…";
// more can be added at runtime through POST /_emulator/accounts.
const accounts = (process.env.SUMUP_EMULATOR_ACCOUNTS ?? 'sup_sk_emulator_default:MEMULATOR')
  .split(',')
  .filter(Boolean)
  .map((pair) => {
    const [apiKey, merchantCode] = pair.split(':');
    if (!apiKey || !merchantCode) throw new Error(`SUMUP_EMULATOR_ACCOUNTS: bad entry "${pair}"`);
    return { apiKey, merchantCode, merchantName: `Merchant ${merchantCode}` };
  });

const emulator = await startSumupEmulator({
  port: Number(process.env.SUMUP_EMULATOR_PORT ?? 4010),
  host: process.env.SUMUP_EMULATOR_HOST ?? '127.0.0.1',
  accounts,
  webhookCompression: Number(process.env.SUMUP_EMULATOR_WEBHOOK_COMPRESSION ?? 1),
  ...(process.env.SUMUP_EMULATOR_PUBLIC_URL
    ? { publicUrl: process.env.SUMUP_EMULATOR_PUBLIC_URL }
    : {}),
});
// The API keys are the operator's own test keys; print merchant codes only.
console.log(
  JSON.stringify({
    msg: 'sumup emulator listening',
    url: emulator.url,
    merchants: accounts.map((a) => a.merchantCode),
  }),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void emulator.close().then(() => process.exit(0)));
}
