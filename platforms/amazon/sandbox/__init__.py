"""A local emulator of the Amazon Selling Partner API for one seller account."""

from platforms.amazon.sandbox.app import AmazonSandbox

__all__ = ["AmazonSandbox"]
