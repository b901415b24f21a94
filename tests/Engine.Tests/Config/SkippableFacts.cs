namespace Engine.Tests.Config;

/// <summary>A fact that is skipped, with a clear message, when Istio's sample folder is absent.</summary>
internal sealed class SampleFactAttribute : FactAttribute
{
    public SampleFactAttribute()
    {
        if (!IstioSamples.Available)
        {
            Skip = IstioSamples.SkipReason;
        }
    }
}

/// <summary>A theory that is skipped, with a clear message, when Istio's sample folder is absent.</summary>
internal sealed class SampleTheoryAttribute : TheoryAttribute
{
    public SampleTheoryAttribute()
    {
        if (!IstioSamples.Available)
        {
            Skip = IstioSamples.SkipReason;
        }
    }
}
