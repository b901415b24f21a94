namespace Engine.Transport;

/// <summary>
/// A lender whose loan can be called back before it is sent: the destination copies what it has
/// not sent yet into memory of its own, and the lend (<see cref="IOutboundLender.LendAsync"/>)
/// returns true at once, or after the send in progress. For a proxy that must let go of the
/// lent bytes now (the exchange is over) without cutting what was already handed over.
/// </summary>
internal interface IRedeemableLender : IOutboundLender
{
    void Redeem();
}
