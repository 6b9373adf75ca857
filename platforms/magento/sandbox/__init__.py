"""A local emulator of the Magento 2 / Adobe Commerce REST API."""

from platforms.magento.sandbox.app import MagentoSandbox

__all__ = ["MagentoSandbox"]
