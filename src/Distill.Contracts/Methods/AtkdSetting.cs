namespace Distill.Contracts.Methods;

/// <summary>Which KL ATKD decomposes.</summary>
public enum AtkdSetting
{
    /// <summary>KL(p ‖ q), teacher first (the authors' <c>vanilla</c> setting).</summary>
    Forward,

    /// <summary>
    /// KL(q ‖ p), student first (the authors' <c>reverse</c> setting: the logits are swapped before the same
    /// computation). The easy/hard split still uses the teacher's uncertainty.
    /// </summary>
    Reverse,
}
