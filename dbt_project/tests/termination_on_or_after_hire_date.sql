{#- Rule: an employment ends on or after the day it began (HRIS hire and termination dates). -#}
select employee_id, hire_date, termination_date
from {{ ref('dim_employee') }}
where termination_date < hire_date
