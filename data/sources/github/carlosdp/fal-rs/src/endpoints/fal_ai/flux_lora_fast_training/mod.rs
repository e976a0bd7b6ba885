///
/// FLUX LoRA fine-tuning endpoint.
///
/// This endpoint fine-tunes a LoRA model on a dataset of images.
/// By default the fine-tuning process is configured for preprocessing a subject.
/// The training will generate both segmentation masks and caption for training.
///
