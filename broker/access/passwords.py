"""Password hashing (werkzeug's scrypt: a slow, salted, memory-hard hash)."""
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
# werkzeug's scrypt defaults (N=2**15, r=8, p=1). A hash records its own parameters, so the
# test suite lowers the work factor (tests/conftest.py) and every hash still verifies.
METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so timing does not reveal unknown accounts.
        check_password_hash(_DUMMY, password)
        return False
    return check_password_hash(stored_hash, password)


# A full-strength hash of a throwaway password, written out rather than made at import (every
# process, a CLI command or the scheduler, would pay for one hash before doing anything).
_DUMMY = (
    "scrypt:32768:8:1$J2lwmjcRAp8xCF5k$466a612cf9c354f53038031e53"
    "784a84f336b5f15261d83242edd8e365872bbda520d181ce4049d9d0ca07509c7fecfec48b97cd15e77ebfc29e2f925ea46e1a"
)
