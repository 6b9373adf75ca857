"""BigCommerce writes: stock, price (`writer`) and order writes (`orders`)."""
