# SWITCHRC to itself forever: stopped after 100 loads.
--- file self.rc
SWITCHRC=self.rc
--- rc
SWITCHRC=self.rc
--- trace
maildir $T/Maildir (default)
--- error
$T/self.rc:1: more than 100 INCLUDERC/SWITCHRC loads
