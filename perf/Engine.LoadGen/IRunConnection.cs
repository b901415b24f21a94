namespace Engine.LoadGen;

/// <summary>A connection of the run: it offers its slots to the scheduler while it is up.</summary>
internal interface IRunConnection
{
    /// <summary>Connects (and reconnects), offering slots, until <paramref name="stopping"/>.</summary>
    Task RunAsync(CancellationToken stopping);

    void Close();
}
