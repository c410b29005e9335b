map let
