import { ModelError, type Model } from '../../core/model';

export async function readTfjsModel(file: string): Promise<Model> {
  throw new ModelError(`${file}: TensorFlow.js models are not supported yet`);
}
