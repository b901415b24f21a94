namespace Engine.Soak;

/// <summary>One observation of the proxy: seconds since the load started, RSS, descriptors, requests done.</summary>
internal readonly record struct Sample(double Seconds, double RssMiB, int Descriptors, long Completed);
