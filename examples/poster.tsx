// A React component that renders a poster with Stable Diffusion 3.5 Large,
// whose Community License allows commercial use below a revenue threshold.
import { Abstrakt } from '@abstrakt/sdk';

const images = new Abstrakt({ apiKey: process.env.ABSTRAKT_API_KEY });

export function Poster({ title }: { title: string }) {
  const render = () => images.run('sd3.5-large', { prompt: `🎬 poster for ${title}` });
  return <button onClick={render}>🎨 Render “{title}”</button>;
}
