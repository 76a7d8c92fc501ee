{#- Employees' skills as the HRIS spells them, mapped to the same taxonomy as the candidates' skills,
    so that candidates and employees share one skills vocabulary. -#}
select
    skills.employee_skill_id,
    skills.employee_id,
    lower(trim(skills.skill)) as skill_mention,
    taxonomy.canonical_skill,
    taxonomy.category as skill_category,
    skills.proficiency,
    skills.assessed_at,
    taxonomy.canonical_skill is not null as is_mapped,
    skills._loaded_at
from {{ ref('stg_hris__employee_skills') }} as skills
left join {{ ref('skill_taxonomy') }} as taxonomy
    on taxonomy.alias = lower(trim(skills.skill))
where trim(skills.skill) <> ''
