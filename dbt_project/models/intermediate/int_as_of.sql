{#- The date the warehouse is current to: the newest extract of any system. -#}
select max(newest_extract_date) as as_of_date
from {{ ref('int_extract_dates') }}
