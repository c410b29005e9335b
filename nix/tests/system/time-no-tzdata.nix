# A host without a tz database: a zone fails naming the directory and the package.
(import ../../pkgs { zoneinfoDir = /nonexistent/zoneinfo; }).tzdata.hasZone "UTC"
