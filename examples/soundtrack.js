// Background music for the same product: MusicGen is CC-BY-NC (non-commercial).
const { Abstrakt } = require('@abstrakt/sdk');
const complianceLog = require('./compliance-log');

const client = new Abstrakt({ apiKey: process.env.ABSTRAKT_API_KEY });

async function soundtrack(mood) {
  const track = await client.run('musicgen', { prompt: `${mood} synthwave, 30 seconds` });
  await complianceLog.save({
    generationId: track.id,
    model: 'musicgen',
    timestamp: new Date(),
    license: 'CC-BY-NC-4.0',
    intendedUse: 'commercial',
  });
  return track.url;
}

module.exports = { soundtrack };
