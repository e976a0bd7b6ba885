// Lets the user choose a model: a typo, and an id only known at run time.
import Abstrakt from '@abstrakt/sdk';

const abstrakt = new Abstrakt();

export function Picker({ choice }) {
  const preview = () => abstrakt.run('flux-devv', { prompt: 'a preview' }); // typo
  const final = () => abstrakt.run(choice, { prompt: 'the final image' });
  return <div onClick={preview} onDoubleClick={final} />;
}
