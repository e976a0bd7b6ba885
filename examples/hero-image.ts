// A landing page that renders a hero image and a short product video.
import Abstrakt from '@abstrakt/sdk';

const abstrakt = new Abstrakt({ apiKey: process.env.ABSTRAKT_API_KEY });

const MODELS = {
  hero: 'flux-dev',
  video: 'hunyuanvideo',
} as const;

export async function heroImage(prompt: string) {
  // FLUX.1 [dev]: open weights, attribution required.
  return abstrakt.run(MODELS.hero, { prompt, width: 1536, height: 640 });
}

export async function productVideo(prompt: string) {
  // HunyuanVideo: not licensed in the EU, the UK and South Korea.
  return abstrakt.run(MODELS.video, { prompt });
}
