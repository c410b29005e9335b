"${{ __toString = self: 5; }}"
