/// Wizper (Whisper v3 -- fal.ai edition)
///
/// Category: speech-to-text
/// Machine Type: A100
