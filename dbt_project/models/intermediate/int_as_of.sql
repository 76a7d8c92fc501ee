{#- The date the warehouse is current to: the newest extract of any system; and the date the HRIS
    is current to, against which whatever only the HRIS can tell (a hire's employee record, a
    milestone's outcome) is judged, so that a lagging HRIS feed makes outcomes "not yet due"
    instead of missing. -#}
select
    max(newest_extract_date) as as_of_date,
    max(case when source_system = 'hris' then newest_extract_date end) as hris_as_of_date
from {{ ref('int_extract_dates') }}
