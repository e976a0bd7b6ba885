//! The TypeScript module both benchmarks repeat to build a 10,000-line file.

/// A realistic block with a client, a `const` model table and one model call.
pub const BLOCK: &str = r#"import { Abstrakt } from 'abstrakt';
const ai = new Abstrakt({ apiKey: process.env.ABSTRAKT_API_KEY });
const MODELS = { hero: 'flux-dev', thumb: 'flux-schnell' } as const;

export async function render(prompt: string, opts: { hd?: boolean } = {}) {
  const model = opts.hd ? MODELS.hero : MODELS.thumb;
  const started = Date.now();
  const result = await ai.run(model, { prompt, num_images: 1 });
  console.log(`rendered in ${Date.now() - started}ms`, result.id);
  return result;
}

"#;

/// [`BLOCK`] repeated to about `lines` lines.
pub fn repeated(lines: usize) -> String {
    BLOCK.repeat(lines / BLOCK.lines().count() + 1)
}
