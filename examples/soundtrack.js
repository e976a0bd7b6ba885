// Background music for the same product: MusicGen is CC-BY-NC (non-commercial).
const { Abstrakt } = require('@abstrakt/sdk');

const client = new Abstrakt({ apiKey: process.env.ABSTRAKT_API_KEY });

async function soundtrack(mood) {
  const track = await client.run('musicgen', { prompt: `${mood} synthwave, 30 seconds` });
  return track.url;
}

module.exports = { soundtrack };
