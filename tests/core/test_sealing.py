import pytest

from entraide.sealing import (
    Contact,
    KeyPair,
    SealingError,
    fingerprint,
    hash_withdraw_key,
    new_withdraw_key,
    withdraw_key_matches,
)


def test_a_sealed_contact_opens_with_its_key_and_reveals_nothing_without_it():
    keys = KeyPair.generate()
    contact = Contact(email="odile.martin@example.fr", phone="06 12 34 56 78")
    sealed = keys.seal(contact)
    assert sealed.startswith("sealed:v1:")
    assert "odile" not in sealed and "0612" not in sealed.replace(" ", "") and "example" not in sealed
    assert keys.unseal(sealed) == contact
    with pytest.raises(SealingError, match="autre clé"):
        KeyPair.generate().unseal(sealed)


def test_the_same_contact_seals_differently_but_keeps_one_fingerprint_per_key():
    keys = KeyPair.generate()
    first = keys.seal(Contact(email="A@example.fr", phone=""))
    second = keys.seal(Contact(email=" a@example.fr", phone=""))
    assert first != second
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(KeyPair.generate().seal(Contact(email="a@example.fr"))) != fingerprint(first)
    assert fingerprint(keys.seal(Contact(email="b@example.fr"))) != fingerprint(first)


def test_a_key_pair_is_restored_from_its_private_half_and_a_bad_key_is_explained():
    keys = KeyPair.generate()
    assert KeyPair.from_private(keys.private) == keys
    with pytest.raises(SealingError, match="entraide keygen"):
        KeyPair.from_private("pas une clé")


def test_withdraw_keys_are_random_and_only_their_hash_matches():
    key = new_withdraw_key()
    assert len(key) >= 20 and key != new_withdraw_key()
    stored = hash_withdraw_key(key)
    assert key not in stored
    assert withdraw_key_matches(key, stored)
    assert not withdraw_key_matches(new_withdraw_key(), stored)
    assert not withdraw_key_matches(key, "")
