"""Amazon SP-API writes: `writer` (dispatch, stock, price) and `orders` (ship, cancel)."""
