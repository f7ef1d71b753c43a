# B ?? and H ?? override the recipe's search area.
--- rc
:0
* B ?? ^second body line
* H ?? ^Cc:.*carol
* HB ?? ^To:(.|$)*here
areas/
--- trace
maildir $T/areas
