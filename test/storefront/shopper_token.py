"""How a storefront written in Python names its shopper to rose-checkout: a JWT, with PyJWT.

    python shopper_token.py user:42 HS256 <shared secret>
    python shopper_token.py session:abc EdDSA <path of the storefront's private key, PEM>

prints the token, for the X-Shopper-Token header. The README shows the same in Node (jose).
"""

import sys
import time

import jwt  # PyJWT; pip install "PyJWT[crypto]" for EdDSA and RS256


def shopper_token(sub: str, key: str, algorithm: str = "HS256", ttl: int = 3600,
                  audience: str = "rose-checkout") -> str:
    now = int(time.time())
    claims = {"sub": sub, "aud": audience, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key, algorithm=algorithm)


if __name__ == "__main__":
    sub, algorithm, key = sys.argv[1], sys.argv[2], sys.argv[3]
    if algorithm != "HS256":
        with open(key, encoding="utf-8") as pem:
            key = pem.read()
    print(shopper_token(sub, key, algorithm))
