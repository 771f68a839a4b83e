namespace Distill.Training.Pretraining;

/// <summary>The parts of a <see cref="PretrainingJob"/>, in order.</summary>
public enum PretrainingStage
{
    /// <summary>Reading the corpus and learning the tokenizer's merges (progress in input bytes).</summary>
    TrainingTokenizer,

    /// <summary>Tokenizing the corpus into the dataset folder (progress in input bytes).</summary>
    Tokenizing,

    /// <summary>Training the model (progress in steps).</summary>
    Training,

    /// <summary>Writing the model folder.</summary>
    Saving,
}
